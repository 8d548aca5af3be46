package dev.lore.connector.spi;

/** A source-wide problem (bad configuration, unreachable source); the message is shown to the user as is. */
public class ConnectorException extends Exception {
    public ConnectorException(String message) { super(message); }
    public ConnectorException(String message, Throwable cause) { super(message, cause); }
}
