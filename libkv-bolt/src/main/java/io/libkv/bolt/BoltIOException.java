package io.libkv.bolt;

import java.io.IOException;

/** An I/O error from the operating system while reading, writing or syncing the file. */
public final class BoltIOException extends BoltException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message the operation and file
     * @param cause the I/O error
     */
    public BoltIOException(String message, IOException cause) {
        super(message + ": " + cause.getMessage(), cause);
    }
}
