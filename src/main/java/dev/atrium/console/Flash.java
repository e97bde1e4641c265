package dev.atrium.console;

import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/** A one-time message shown by the layout on the page after a redirect (Post/Redirect/Get). */
public record Flash(Kind kind, String message) implements java.io.Serializable {

    /** How the message is styled and announced. */
    public enum Kind {
        SUCCESS,
        ERROR,
        INFO;

        public String css() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public static final String ATTRIBUTE = "flash";

    public static void success(RedirectAttributes redirect, String message) {
        redirect.addFlashAttribute(ATTRIBUTE, new Flash(Kind.SUCCESS, message));
    }

    public static void error(RedirectAttributes redirect, String message) {
        redirect.addFlashAttribute(ATTRIBUTE, new Flash(Kind.ERROR, message));
    }

    public static void info(RedirectAttributes redirect, String message) {
        redirect.addFlashAttribute(ATTRIBUTE, new Flash(Kind.INFO, message));
    }
}
