/** Console pages and run endpoints of the playground (Thymeleaf, htmx and a small streaming script). */
@NullMarked
package dev.atrium.playground.web;

import org.jspecify.annotations.NullMarked;
