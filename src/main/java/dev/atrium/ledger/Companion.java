package dev.atrium.ledger;

import java.util.List;

/**
 * A write that commits with a capture or not at all, such as the usage event of the operation
 * being charged. When the ledger combines concurrent captures into one transaction, it writes the
 * companions that share a {@link Writer} with one call, so a batch of captures costs one more
 * statement, not one per capture.
 */
public record Companion<T>(Writer<T> writer, T item) {

    /** Writes items in the capture's transaction; the same writer instance for items written together. */
    @FunctionalInterface
    public interface Writer<T> {
        void writeAll(List<T> items);
    }

    private static final Writer<Runnable> EACH = items -> items.forEach(Runnable::run);

    /** Work that runs on its own in the capture's transaction. */
    public static Companion<Runnable> of(Runnable work) {
        return new Companion<>(EACH, work);
    }

    /** Writes this one item. */
    public void writeAlone() {
        writer.writeAll(List.of(item));
    }
}
