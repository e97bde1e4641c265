/**
 * The member's playground: chat, model comparison, images, speech and transcription, and the
 * history browser of one workspace, run through the gateway's {@code MemberGateway} and read through
 * the history module, with the rights of the member's workspace role.
 */
@NullMarked
package dev.atrium.playground;

import org.jspecify.annotations.NullMarked;
