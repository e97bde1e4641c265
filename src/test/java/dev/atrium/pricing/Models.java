package dev.atrium.pricing;

import dev.atrium.common.Credits;
import java.util.List;

/** Small priced models for tests of the arithmetic. */
final class Models {
    private Models() {}

    static PricedModel chat(String inputPerMillion, String outputPerMillion) {
        return new PricedModel(
                "test/chat",
                "demo",
                "chat",
                ModelKind.CHAT,
                Credits.parse(inputPerMillion),
                Credits.parse(outputPerMillion),
                4096,
                32768,
                List.of(),
                null,
                null,
                PricedModel.Origin.CATALOG);
    }

    static PricedModel embedding(String inputPerMillion) {
        return new PricedModel(
                "test/embed",
                "demo",
                "embed",
                ModelKind.EMBEDDING,
                Credits.parse(inputPerMillion),
                null,
                null,
                null,
                List.of(),
                null,
                null,
                PricedModel.Origin.CATALOG);
    }

    static PricedModel image(ImagePrice... prices) {
        return new PricedModel(
                "test/image",
                "demo",
                "image",
                ModelKind.IMAGE,
                null,
                null,
                null,
                null,
                List.of(prices),
                null,
                null,
                PricedModel.Origin.CATALOG);
    }

    static ImagePrice price(String size, String quality, String credits) {
        return new ImagePrice(size, quality, Credits.parse(credits));
    }

    static PricedModel speech(String perThousandChars) {
        return new PricedModel(
                "test/speech",
                "demo",
                "speech",
                ModelKind.SPEECH,
                null,
                null,
                null,
                null,
                List.of(),
                Credits.parse(perThousandChars),
                null,
                PricedModel.Origin.CATALOG);
    }

    static PricedModel transcription(String perMinute) {
        return new PricedModel(
                "test/transcribe",
                "demo",
                "transcribe",
                ModelKind.TRANSCRIPTION,
                null,
                null,
                null,
                null,
                List.of(),
                null,
                Credits.parse(perMinute),
                PricedModel.Origin.CATALOG);
    }
}
