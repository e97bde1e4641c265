package dev.atrium.gateway.web;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Every answer under {@code /v1} that is not a success leaves in OpenAI's error shape (Anthropic's,
 * {@code {"type": "error", "error": {"type", "message"}}}, under {@code /v1/messages}),
 * {@code {"error": {"message", "type", "code", "param"}}}, whoever produced it: the gateway's own
 * errors already have it; problem+json from before the gateway's controllers (the body limit's
 * 413, an unknown path's 404, 405, 415, the security chain's 403) is rewritten into it; an empty
 * error ({@code sendError}) gets a body; an exception that escapes every filter (the database gone
 * while the caller is authenticated) becomes a 500 without its text; a database outage arrives as
 * {@code DatabaseOutage}'s 503 and is reshaped like any other error. Successful answers, streamed or not, pass through untouched.
 *
 * <p>Inside {@code RequestIds} (so the request id header is set) and outside everything else.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 5)
class OpenAiErrorShape extends OncePerRequestFilter {
    private static final Logger log = LoggerFactory.getLogger(OpenAiErrorShape.class);
    private final JsonMapper json;

    OpenAiErrorShape(JsonMapper json) {
        this.json = json;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        String uri = request.getRequestURI();
        return !(uri.equals("/v1") || uri.startsWith("/v1/"));
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        Shaping shaping = new Shaping(response);
        try {
            chain.doFilter(request, shaping);
        } catch (ServletException | IOException | RuntimeException e) {
            // A database outage never gets here: DatabaseOutage, inside this filter, answers it.
            if (response.isCommitted()) throw e;
            log.error("unexpected error serving {}", request.getRequestURI(), e);
            shaping.discard();
            write(request, response, GatewayErrors.unexpectedBody());
            return;
        }
        shaping.finish(request);
    }

    /** Anthropic's Messages API answers its errors in Anthropic's shape. */
    static boolean anthropic(HttpServletRequest request) {
        String uri = request.getRequestURI();
        return uri.equals("/v1/messages") || uri.startsWith("/v1/messages/");
    }

    /**
     * Anthropic's error type for a status ({@code billing_error} for 402, the type Anthropic itself
     * uses when an account cannot pay).
     */
    static String anthropicType(int status) {
        return switch (status) {
            case 400, 405, 415 -> "invalid_request_error";
            case 401 -> "authentication_error";
            case 402 -> "billing_error";
            case 403 -> "permission_error";
            case 404 -> "not_found_error";
            case 413 -> "request_too_large";
            case 429 -> "rate_limit_error";
            case 504 -> "timeout_error";
            case 529 -> "overloaded_error";
            default -> status >= 500 ? "api_error" : "invalid_request_error";
        };
    }

    private void write(HttpServletRequest request, HttpServletResponse response, GatewayErrors.Body body)
            throws IOException {
        Object shaped = Map.of("error", body.error());
        if (anthropic(request)) {
            // {"type":"error","error":{"type","message"}}
            Map<String, Object> error = new LinkedHashMap<>();
            error.put("type", anthropicType(body.status()));
            error.put("message", body.error().get("message"));
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("type", "error");
            out.put("error", error);
            shaped = out;
        }
        byte[] bytes = json.writeValueAsBytes(shaped);
        response.resetBuffer();
        response.setStatus(body.status());
        response.setContentType("application/json");
        response.setCharacterEncoding("UTF-8");
        response.setContentLength(bytes.length);
        if (body.status() == 503 && !response.containsHeader("Retry-After"))
            response.setHeader("Retry-After", GatewayErrors.RETRY_AFTER_SECONDS);
        response.getOutputStream().write(bytes);
        response.flushBuffer();
    }

    /**
     * Buffers the body of an error answer (status 400 or above when its body is first written) and
     * lets every other answer through as it is written.
     */
    private final class Shaping extends HttpServletResponseWrapper {
        private final HttpServletResponse target;
        private @Nullable ByteArrayOutputStream buffer;
        private @Nullable ServletOutputStream bufferStream;
        private @Nullable PrintWriter bufferWriter;
        private boolean passedThrough;
        private boolean sentError;
        private @Nullable String sentMessage;

        Shaping(HttpServletResponse target) {
            super(target);
            this.target = target;
        }

        private boolean capture() {
            if (buffer != null) return true;
            if (passedThrough || sentError || target.getStatus() < 400) return false;
            buffer = new ByteArrayOutputStream();
            return true;
        }

        @Override
        public ServletOutputStream getOutputStream() throws IOException {
            if (sentError) return discarding();
            if (!capture()) {
                passedThrough = true;
                return super.getOutputStream();
            }
            if (bufferStream == null) bufferStream = into(buffer);
            return bufferStream;
        }

        @Override
        public PrintWriter getWriter() throws IOException {
            if (sentError) return new PrintWriter(discarding());
            if (!capture()) {
                passedThrough = true;
                return super.getWriter();
            }
            if (bufferWriter == null)
                bufferWriter = new PrintWriter(new OutputStreamWriter(buffer, StandardCharsets.UTF_8), true);
            return bufferWriter;
        }

        @Override
        public void sendError(int sc, @Nullable String msg) {
            sentError = true;
            sentMessage = msg;
            target.setStatus(sc);
        }

        @Override
        public void sendError(int sc) {
            sendError(sc, null);
        }

        @Override
        public void flushBuffer() throws IOException {
            if (buffer == null && !sentError) super.flushBuffer();
        }

        @Override
        public void setContentLength(int len) {
            if (buffer == null) super.setContentLength(len);
        }

        @Override
        public void setContentLengthLong(long len) {
            if (buffer == null) super.setContentLengthLong(len);
        }

        @Override
        public boolean isCommitted() {
            return sentError || super.isCommitted();
        }

        void discard() {
            buffer = null;
            sentError = false;
        }

        /** Writes the OpenAI-shaped body of an error answer that does not have one yet. */
        void finish(HttpServletRequest request) throws IOException {
            int status = target.getStatus();
            if (status < 400 || target.isCommitted()) {
                if (bufferWriter != null) bufferWriter.flush();
                return;
            }
            if (buffer != null) {
                if (bufferWriter != null) bufferWriter.flush();
                byte[] body = buffer.toByteArray();
                buffer = null;
                write(request, target, shape(request, status, body));
            } else if (!passedThrough) {
                write(request, target, GatewayErrors.forStatus(request, status, sentMessage, null, null));
            }
        }

        /** An error body as OpenAI's: kept when it already is one, else translated from problem+json. */
        private GatewayErrors.Body shape(HttpServletRequest request, int status, byte[] body) {
            JsonNode node;
            try {
                node = json.readTree(body);
            } catch (JacksonException e) {
                return GatewayErrors.forStatus(request, status, null, null, null);
            }
            JsonNode error = node.path("error");
            if (error.isObject()) {
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("message", text(error.path("message")));
                out.put("type", text(error.path("type")));
                out.put("param", text(error.path("param")));
                out.put("code", text(error.path("code")));
                if (out.get("type") == null) out.put("type", GatewayErrors.typeFor(status));
                return new GatewayErrors.Body(status, out);
            }
            // problem+json: detail, code and the first field named
            String field = text(node.path("errors").path(0).path("field"));
            return GatewayErrors.forStatus(request, status, text(node.path("detail")), text(node.path("code")), field);
        }

        private static @Nullable String text(JsonNode node) {
            return node.isString() && !node.asString().isBlank() ? node.asString() : null;
        }
    }

    private static ServletOutputStream into(ByteArrayOutputStream out) {
        return new ServletOutputStream() {
            @Override
            public void write(int b) {
                out.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                out.write(b, off, len);
            }

            @Override
            public boolean isReady() {
                return true;
            }

            @Override
            public void setWriteListener(WriteListener listener) {
                throw new UnsupportedOperationException("not asynchronous");
            }
        };
    }

    private static ServletOutputStream discarding() {
        return into(new ByteArrayOutputStream());
    }
}
