/** The {@code openai} provider: a client for any OpenAI-compatible server (OpenAI, Ollama, vLLM, OpenRouter, …). */
@NullMarked
package dev.atrium.gateway.provider.openai;

import org.jspecify.annotations.NullMarked;
