package dev.lore.connector.spi;

/**
 * A document a connector could not read, or an entry of the source it does not index; reported in the run, never
 * thrown, so one bad document stops nothing.
 *
 * @param documentKey the document's identity inside its source
 * @param message why, in words a user can act on
 * @param accessUnknown true when the document's access list could not be determined (e.g. a broken rule file): an
 *     indexed copy is then restricted to admins until the connector can say again (fail closed)
 * @param skipped true when the entry holds nothing to index by the source's rules (e.g. a link out of the folder, a
 *     pipe): the run reports it as {@code skipped}, not {@code failed}; a copy indexed under that key earlier is
 *     removed and the entry reported as {@code deleted}, with the same reason
 */
public record DocumentFailure(String documentKey, String message, boolean accessUnknown, boolean skipped) {

    /** A document that could not be read. */
    public DocumentFailure(String documentKey, String message) {
        this(documentKey, message, false, false);
    }

    /** A document that could not be read, with whether its access list is unknown. */
    public DocumentFailure(String documentKey, String message, boolean accessUnknown) {
        this(documentKey, message, accessUnknown, false);
    }

    /** An entry of the source that is not indexed by the source's rules, and why. */
    public static DocumentFailure skipped(String documentKey, String why) {
        return new DocumentFailure(documentKey, why, false, true);
    }
}
