/** The {@code anthropic} upstream: Anthropic's Messages API, translated to and from OpenAI's chat format. */
@NullMarked
package dev.atrium.gateway.provider.anthropic;

import org.jspecify.annotations.NullMarked;
