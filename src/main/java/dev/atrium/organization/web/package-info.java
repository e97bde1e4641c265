/** Organization's web parts; not part of its public API. */
@NullMarked
package dev.atrium.organization.web;

import org.jspecify.annotations.NullMarked;
