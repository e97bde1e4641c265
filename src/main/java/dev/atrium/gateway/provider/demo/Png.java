package dev.atrium.gateway.provider.demo;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * A minimal PNG encoder (8-bit RGB, no interlace), written here so that image generation needs
 * neither AWT nor ImageIO at run time. Each row takes the Sub, Up or Paeth filter, whichever leaves
 * the smallest residuals, as libpng's heuristic does; smooth gradients then compress well.
 */
final class Png {
    private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

    private Png() {}

    /** {@code rgb} holds {@code width * height} pixels as {@code 0xRRGGBB}, row by row. */
    static byte[] encode(int width, int height, int[] rgb) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(SIGNATURE);
        ByteBuffer header = ByteBuffer.allocate(13);
        header.putInt(width).putInt(height).put((byte) 8).put((byte) 2); // depth 8, colour type RGB
        header.put((byte) 0).put((byte) 0).put((byte) 0); // deflate, adaptive filtering, no interlace
        chunk(out, "IHDR", header.array());
        chunk(out, "IDAT", compress(filtered(width, height, rgb)));
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    private static byte[] filtered(int width, int height, int[] rgb) {
        int stride = width * 3;
        byte[] previous = new byte[stride];
        byte[] current = new byte[stride];
        byte[][] candidates = {new byte[stride], new byte[stride], new byte[stride]};
        byte[] data = new byte[(stride + 1) * height];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int p = rgb[y * width + x];
                current[x * 3] = (byte) (p >>> 16);
                current[x * 3 + 1] = (byte) (p >>> 8);
                current[x * 3 + 2] = (byte) p;
            }
            int best = 0;
            long bestScore = Long.MAX_VALUE;
            for (int f = 0; f < 3; f++) {
                long score = 0;
                for (int i = 0; i < stride; i++) {
                    int a = i >= 3 ? current[i - 3] & 0xFF : 0;
                    int b = previous[i] & 0xFF;
                    int c = i >= 3 ? previous[i - 3] & 0xFF : 0;
                    int predictor = f == 0 ? a : f == 1 ? b : paeth(a, b, c);
                    byte residual = (byte) (current[i] - predictor);
                    candidates[f][i] = residual;
                    score += Math.abs(residual);
                }
                if (score < bestScore) {
                    bestScore = score;
                    best = f;
                }
            }
            int row = y * (stride + 1);
            data[row] = (byte) (best == 0 ? 1 : best == 1 ? 2 : 4); // PNG filter types Sub, Up, Paeth
            System.arraycopy(candidates[best], 0, data, row + 1, stride);
            byte[] swap = previous;
            previous = current;
            current = swap;
        }
        return data;
    }

    private static int paeth(int a, int b, int c) {
        int p = a + b - c;
        int pa = Math.abs(p - a);
        int pb = Math.abs(p - b);
        int pc = Math.abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }

    private static byte[] compress(byte[] data) {
        Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION);
        try {
            deflater.setInput(data);
            deflater.finish();
            ByteArrayOutputStream out = new ByteArrayOutputStream(data.length / 4 + 64);
            byte[] buffer = new byte[64 * 1024];
            while (!deflater.finished()) out.write(buffer, 0, deflater.deflate(buffer));
            return out.toByteArray();
        } finally {
            deflater.end();
        }
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] body) {
        byte[] typeBytes = type.getBytes(StandardCharsets.US_ASCII);
        CRC32 crc = new CRC32();
        crc.update(typeBytes);
        crc.update(body);
        out.writeBytes(ByteBuffer.allocate(4).putInt(body.length).array());
        out.writeBytes(typeBytes);
        out.writeBytes(body);
        out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }
}
