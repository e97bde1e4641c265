/** Settlement durability off the request path: the local journal that a call's settlement is appended to first. */
@NullMarked
package dev.atrium.gateway.settle;

import org.jspecify.annotations.NullMarked;
