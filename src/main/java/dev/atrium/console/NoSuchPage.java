package dev.atrium.console;

import dev.atrium.common.ApiException;
import org.springframework.web.bind.annotation.GetMapping;

/**
 * An address under an organization that no console page answers: the console's 404 page, with the
 * layout and navigation, rather than the API's problem document. Every real page's mapping is more
 * specific and wins.
 */
@ConsoleController
class NoSuchPage {

    @GetMapping("/orgs/{org}/**")
    String none() {
        throw ApiException.notFound("page");
    }
}
