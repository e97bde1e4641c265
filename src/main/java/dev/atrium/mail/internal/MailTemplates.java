package dev.atrium.mail.internal;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;
import org.thymeleaf.context.Context;
import org.thymeleaf.spring6.SpringTemplateEngine;
import org.thymeleaf.templatemode.TemplateMode;
import org.thymeleaf.templateresolver.AbstractConfigurableTemplateResolver;
import org.thymeleaf.templateresolver.ClassLoaderTemplateResolver;
import org.thymeleaf.templateresolver.FileTemplateResolver;

/**
 * Renders a message from two Thymeleaf templates: {@code <name>.txt} (text mode; its first line is
 * {@code Subject: …}, then a blank line, then the plain body) and {@code <name>.html} (the HTML
 * alternative). The defaults live on the classpath under {@code mail-templates/}; a file of the same
 * name in {@code atrium.mail.templates-dir} ({@code ATRIUM_MAIL_TEMPLATES_DIR}) replaces one, read
 * again at each message so that an operator's change needs no restart.
 */
@Component
public class MailTemplates {
    /** Every template name Atrium renders. */
    public static final Set<String> NAMES = Set.of(
            "invitation",
            "alert-threshold",
            "alert-pool-low",
            "sign-in-delayed",
            "sign-in-new-device",
            "weekly-digest");

    private final SpringTemplateEngine text;
    private final SpringTemplateEngine html;
    private final String directory;

    MailTemplates(@Value("${atrium.mail.templates-dir:}") String directory) {
        this.directory = directory.strip();
        this.text = engine(TemplateMode.TEXT, ".txt");
        this.html = engine(TemplateMode.HTML, ".html");
    }

    private SpringTemplateEngine engine(TemplateMode mode, String suffix) {
        SpringTemplateEngine engine = new SpringTemplateEngine();
        int order = 1;
        if (!directory.isEmpty()) {
            FileTemplateResolver files = new FileTemplateResolver();
            configure(files, mode, Path.of(directory).toAbsolutePath() + "/", suffix, order++);
            files.setCacheable(false);
            engine.addTemplateResolver(files);
        }
        ClassLoaderTemplateResolver defaults = new ClassLoaderTemplateResolver();
        configure(defaults, mode, "mail-templates/", suffix, order);
        // The engine caches a template by name whichever resolver found it: with a directory that may
        // gain a file at any time, nothing is cached, so the operator's file wins from the next message.
        defaults.setCacheable(directory.isEmpty());
        engine.addTemplateResolver(defaults);
        return engine;
    }

    private static void configure(
            AbstractConfigurableTemplateResolver r, TemplateMode mode, String prefix, String suffix, int order) {
        r.setTemplateMode(mode);
        r.setPrefix(prefix);
        r.setSuffix(suffix);
        r.setCharacterEncoding("UTF-8");
        r.setCheckExistence(true);
        r.setOrder(order);
    }

    /** Renders the named message; throws when a template is missing or broken. */
    public Rendered render(String name, Map<String, Object> model) {
        if (!NAMES.contains(name)) throw new IllegalArgumentException("no mail template " + name);
        Context context = new Context(Locale.ENGLISH, model);
        String all = text.process(name, context).replace("\r\n", "\n");
        int end = all.indexOf('\n');
        String first = end < 0 ? all : all.substring(0, end);
        if (!first.regionMatches(true, 0, "Subject:", 0, 8)) {
            throw new IllegalStateException("mail template " + name + ".txt must start with a 'Subject:' line");
        }
        String subject = first.substring(8).strip().replaceAll("[\\r\\n]+", " ");
        String body = end < 0 ? "" : all.substring(end + 1).replaceFirst("^\n+", "");
        return new Rendered(subject, body, htmlExists(name) ? html.process(name, context) : null);
    }

    private boolean htmlExists(String name) {
        if (!directory.isEmpty() && Files.isRegularFile(Path.of(directory, name + ".html"))) return true;
        return MailTemplates.class.getClassLoader().getResource("mail-templates/" + name + ".html") != null;
    }
}
