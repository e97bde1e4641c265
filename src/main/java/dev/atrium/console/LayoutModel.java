package dev.atrium.console;

import jakarta.servlet.http.HttpServletRequest;
import org.springframework.ui.Model;

/**
 * Puts the layout's model (the signed-in user, their organizations, the navigation) into a page's
 * model where the usual {@code @ModelAttribute} methods do not run: error pages. Implemented by the
 * module that knows the organizations.
 */
public interface LayoutModel {

    /**
     * Adds {@code nav} for the signed-in person, if any. An error page of an organization the person
     * does not belong to (or of no organization) shows the navigation of one they do belong to.
     */
    void describe(Model model, HttpServletRequest request);
}
