/** Gateway's web parts; not part of its public API. */
@NullMarked
package dev.atrium.gateway.web;

import org.jspecify.annotations.NullMarked;
