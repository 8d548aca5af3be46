package dev.lore.connector.spi;

/**
 * A document a connector could not read; reported in the run, never thrown, so one bad document stops nothing.
 *
 * @param documentKey the document's identity inside its source
 * @param message why, in words a user can act on
 * @param accessUnknown true when the document's access list could not be determined (e.g. a broken rule file): an
 *     indexed copy is then restricted to admins until the connector can say again (fail closed)
 */
public record DocumentFailure(String documentKey, String message, boolean accessUnknown) {

    /** A document that could not be read. */
    public DocumentFailure(String documentKey, String message) {
        this(documentKey, message, false);
    }
}
