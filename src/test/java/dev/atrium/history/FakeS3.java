package dev.atrium.history;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A small S3-compatible server for tests: path-style {@code /bucket/key} PUT, GET, HEAD and DELETE
 * of objects, S3's XML errors, and the {@code aws-chunked} upload encoding. It records every request
 * and requires an AWS Signature V4 {@code Authorization} header naming the expected access key.
 */
final class FakeS3 implements AutoCloseable {
    record Request(String method, String path, String authorization) {}

    private final HttpServer server;
    private final String bucket;
    private final String accessKeyId;
    final Map<String, byte[]> objects = new ConcurrentHashMap<>();
    final List<Request> requests = new CopyOnWriteArrayList<>();

    FakeS3(String bucket, String accessKeyId) throws IOException {
        this.bucket = bucket;
        this.accessKeyId = accessKeyId;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String method = ex.getRequestMethod();
            String path = ex.getRequestURI().getPath();
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            requests.add(new Request(method, path, auth == null ? "" : auth));
            byte[] body = ex.getRequestBody().readAllBytes();
            if (auth == null
                    || !auth.startsWith("AWS4-HMAC-SHA256 ")
                    || !auth.contains("Credential=" + accessKeyId + "/")) {
                error(ex, 403, "AccessDenied", "Access Denied");
                return;
            }
            String prefix = "/" + bucket + "/";
            if (!path.startsWith(prefix) || path.length() == prefix.length()) {
                error(ex, 404, "NoSuchBucket", "The specified bucket does not exist");
                return;
            }
            String key = path.substring(prefix.length());
            switch (method) {
                case "PUT" -> {
                    objects.put(key, decode(ex, body));
                    ex.getResponseHeaders().add("ETag", "\"" + key.hashCode() + "\"");
                    ex.sendResponseHeaders(200, -1);
                }
                case "GET", "HEAD" -> {
                    byte[] object = objects.get(key);
                    if (object == null) {
                        if (method.equals("HEAD")) {
                            ex.sendResponseHeaders(404, -1);
                        } else {
                            error(ex, 404, "NoSuchKey", "The specified key does not exist.");
                        }
                        return;
                    }
                    ex.getResponseHeaders().add("Content-Type", "application/octet-stream");
                    ex.getResponseHeaders().add("ETag", "\"" + key.hashCode() + "\"");
                    if (method.equals("HEAD")) {
                        ex.getResponseHeaders().add("Content-Length", String.valueOf(object.length));
                        ex.sendResponseHeaders(200, -1);
                    } else {
                        ex.sendResponseHeaders(200, object.length == 0 ? -1 : object.length);
                        ex.getResponseBody().write(object);
                    }
                }
                case "DELETE" -> {
                    objects.remove(key);
                    ex.sendResponseHeaders(204, -1);
                }
                default -> error(ex, 405, "MethodNotAllowed", "The specified method is not allowed");
            }
        }
    }

    /** Plain bodies as they are; {@code aws-chunked} ones ("size;chunk-signature=…\r\n data \r\n …") unwrapped. */
    private static byte[] decode(HttpExchange ex, byte[] body) throws IOException {
        String sha = ex.getRequestHeaders().getFirst("x-amz-content-sha256");
        String encoding = ex.getRequestHeaders().getFirst("Content-Encoding");
        boolean chunked =
                (sha != null && sha.startsWith("STREAMING-")) || (encoding != null && encoding.contains("aws-chunked"));
        if (!chunked) return body;
        var out = new ByteArrayOutputStream();
        InputStream in = new java.io.ByteArrayInputStream(body);
        while (true) {
            String header = line(in);
            int size = Integer.parseInt(header.split(";", 2)[0].strip(), 16);
            if (size == 0) break;
            out.write(in.readNBytes(size));
            line(in);
        }
        return out.toByteArray();
    }

    private static String line(InputStream in) throws IOException {
        var b = new ByteArrayOutputStream();
        for (int c = in.read(); c != -1 && c != '\n'; c = in.read()) if (c != '\r') b.write(c);
        return b.toString(StandardCharsets.US_ASCII);
    }

    private static void error(HttpExchange ex, int status, String code, String message) throws IOException {
        byte[] xml = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" + code + "</Code><Message>" + message
                        + "</Message><RequestId>fake</RequestId></Error>")
                .getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/xml");
        ex.sendResponseHeaders(status, xml.length);
        ex.getResponseBody().write(xml);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
