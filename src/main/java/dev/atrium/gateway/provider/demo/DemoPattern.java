package dev.atrium.gateway.provider.demo;

/**
 * The demo's pictures: a two-colour linear gradient with a few translucent discs and rings, all
 * chosen by a seed. Positions and radii are fractions of the canvas, so one seed gives the same
 * composition at every size; the arithmetic is plain integer and {@code double} maths, so the
 * pixels are the same on every JVM.
 */
final class DemoPattern {
    private DemoPattern() {}

    static int[] render(Seeded random, int width, int height) {
        double hue = random.between(0, 1);
        int light = hsv(hue, random.between(0.45, 0.7), random.between(0.85, 0.97));
        int dark = hsv(hue + random.between(0.2, 0.5), random.between(0.5, 0.8), random.between(0.3, 0.5));
        double angle = random.between(0, 2 * Math.PI);
        double dx = StrictMath.cos(angle);
        double dy = StrictMath.sin(angle);
        double reach = Math.abs(dx) * width + Math.abs(dy) * height;

        int[] pixels = new int[width * height];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                double t = ((x - width / 2.0) * dx + (y - height / 2.0) * dy) / reach + 0.5;
                pixels[y * width + x] = mix(light, dark, t);
            }
        }
        int shapes = 3 + random.nextInt(4);
        int side = Math.min(width, height);
        for (int i = 0; i < shapes; i++) {
            double cx = random.between(0.1, 0.9) * width;
            double cy = random.between(0.1, 0.9) * height;
            double radius = random.between(0.08, 0.3) * side;
            double ring = random.nextInt(3) == 0 ? random.between(0.015, 0.05) * side : 0;
            int color = hsv(hue + random.between(-0.15, 0.6), random.between(0.4, 0.9), random.between(0.6, 1.0));
            double alpha = random.between(0.35, 0.7);
            circle(pixels, width, height, cx, cy, radius, ring, color, alpha);
        }
        return pixels;
    }

    /** A disc, or a ring of the given width when it is positive, with a one-pixel soft edge. */
    private static void circle(
            int[] pixels, int width, int height, double cx, double cy, double r, double ring, int color, double alpha) {
        int x0 = Math.max(0, (int) (cx - r - 1));
        int x1 = Math.min(width - 1, (int) (cx + r + 1));
        int y0 = Math.max(0, (int) (cy - r - 1));
        int y1 = Math.min(height - 1, (int) (cy + r + 1));
        for (int y = y0; y <= y1; y++) {
            for (int x = x0; x <= x1; x++) {
                double d = Math.sqrt((x + 0.5 - cx) * (x + 0.5 - cx) + (y + 0.5 - cy) * (y + 0.5 - cy));
                double coverage = clamp(r - d + 0.5);
                if (ring > 0) coverage = Math.min(coverage, clamp(d - (r - ring) + 0.5));
                if (coverage > 0) pixels[y * width + x] = mix(pixels[y * width + x], color, alpha * coverage);
            }
        }
    }

    private static double clamp(double v) {
        return v < 0 ? 0 : v > 1 ? 1 : v;
    }

    private static int mix(int from, int to, double t) {
        double u = clamp(t);
        int r = (int) Math.round(((from >>> 16) & 0xFF) * (1 - u) + ((to >>> 16) & 0xFF) * u);
        int g = (int) Math.round(((from >>> 8) & 0xFF) * (1 - u) + ((to >>> 8) & 0xFF) * u);
        int b = (int) Math.round((from & 0xFF) * (1 - u) + (to & 0xFF) * u);
        return (r << 16) | (g << 8) | b;
    }

    private static int hsv(double hue, double saturation, double value) {
        double h = (hue - Math.floor(hue)) * 6;
        int sector = (int) h;
        double f = h - sector;
        double p = value * (1 - saturation);
        double q = value * (1 - saturation * f);
        double t = value * (1 - saturation * (1 - f));
        double[] rgb = switch (sector) {
            case 0 -> new double[] {value, t, p};
            case 1 -> new double[] {q, value, p};
            case 2 -> new double[] {p, value, t};
            case 3 -> new double[] {p, q, value};
            case 4 -> new double[] {t, p, value};
            default -> new double[] {value, p, q};
        };
        return ((int) Math.round(rgb[0] * 255) << 16)
                | ((int) Math.round(rgb[1] * 255) << 8)
                | (int) Math.round(rgb[2] * 255);
    }
}
