package dev.epoxy.h2;

/**
 * Receives decoded header fields from {@link HpackDecoder}, in block order.
 *
 * <p>Name and value are byte ranges of arrays owned by the decoder (its arena, the static table or
 * a dynamic table entry). They stay unchanged until the next {@code decode} call on the same
 * decoder, and must not be modified. Copy what must outlive that.
 *
 * <p>No checked exception: aborting in the middle of a block would leave the dynamic table out of
 * sync with the peer. A sink that finds a field unacceptable (malformed per RFC 9113 8.2, which is
 * a stream error) should remember it and let the block finish.
 */
@FunctionalInterface
public interface HeaderSink {
    /**
     * @param sensitive the field came as "literal never indexed" (RFC 7541 section 6.2.3); an
     *                  intermediary must re-encode it the same way
     */
    void header(byte[] name, int nameOff, int nameLen, byte[] value, int valueOff, int valueLen, boolean sensitive);
}
