package dev.atrium.identity.web;

import com.google.zxing.BarcodeFormat;
import com.google.zxing.EncodeHintType;
import com.google.zxing.WriterException;
import com.google.zxing.common.BitMatrix;
import com.google.zxing.qrcode.QRCodeWriter;
import com.google.zxing.qrcode.decoder.ErrorCorrectionLevel;
import java.util.Map;

/**
 * A QR code as an inline SVG (one path of dark modules, a quiet zone of four modules): drawn on
 * the server, so the enrolment page needs no script and sends the secret nowhere else.
 */
final class QrSvg {
    private QrSvg() {}

    static String of(String text) {
        BitMatrix m;
        try {
            m = new QRCodeWriter()
                    .encode(
                            text,
                            BarcodeFormat.QR_CODE,
                            0,
                            0,
                            Map.of(EncodeHintType.ERROR_CORRECTION, ErrorCorrectionLevel.M, EncodeHintType.MARGIN, 4));
        } catch (WriterException e) {
            throw new IllegalArgumentException("cannot draw a QR code of this text", e);
        }
        int w = m.getWidth();
        int h = m.getHeight();
        StringBuilder path = new StringBuilder(w * h);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                if (m.get(x, y))
                    path.append('M').append(x).append(' ').append(y).append("h1v1h-1z");
            }
        }
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + w + " " + h
                + "\" width=\"240\" height=\"240\" shape-rendering=\"crispEdges\" role=\"img\""
                + " aria-label=\"QR code of the authenticator link\"><rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>"
                + "<path fill=\"#000\" d=\"" + path + "\"/></svg>";
    }
}
