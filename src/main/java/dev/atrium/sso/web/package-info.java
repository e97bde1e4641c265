/** The sign-in settings' API and console page, and the console's start of a single sign-on. */
@NullMarked
package dev.atrium.sso.web;

import org.jspecify.annotations.NullMarked;
