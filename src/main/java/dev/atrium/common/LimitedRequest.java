package dev.atrium.common;

import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import java.io.IOException;

/** A request whose body (of undeclared length) fails to read past a limit. */
public final class LimitedRequest extends HttpServletRequestWrapper {
    private final long max;

    /** Whether {@code e} (or a cause) is a body read past the limit, which answers 413. */
    public static boolean tooLarge(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof TooLarge) return true;
            if (t.getCause() == t) break;
        }
        return false;
    }

    /** Thrown while reading a body past the limit; the problem handler answers it with 413. */
    static final class TooLarge extends IOException {
        private static final long serialVersionUID = 1L;

        TooLarge(long max) {
            super("request body exceeds " + max + " bytes");
        }
    }

    LimitedRequest(HttpServletRequest request, long max) {
        super(request);
        this.max = max;
    }

    @Override
    public ServletInputStream getInputStream() throws IOException {
        ServletInputStream in = super.getInputStream();
        return new ServletInputStream() {
            private long read;

            @Override
            public int read() throws IOException {
                int b = in.read();
                if (b >= 0) count(1);
                return b;
            }

            @Override
            public int read(byte[] buf, int off, int len) throws IOException {
                int n = in.read(buf, off, len);
                if (n > 0) count(n);
                return n;
            }

            private void count(int n) throws IOException {
                read += n;
                if (read > max) throw new TooLarge(max);
            }

            @Override
            public boolean isFinished() {
                return in.isFinished();
            }

            @Override
            public boolean isReady() {
                return in.isReady();
            }

            @Override
            public void setReadListener(ReadListener listener) {
                in.setReadListener(listener);
            }
        };
    }
}
