/** Atrium's application root: one sub-package per capability, verified by Spring Modulith. */
@NullMarked
package dev.atrium;

import org.jspecify.annotations.NullMarked;
