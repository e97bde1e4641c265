/** Identity's storage and token mechanics; not visible to other capabilities. */
@NullMarked
package dev.atrium.identity.internal;

import org.jspecify.annotations.NullMarked;
