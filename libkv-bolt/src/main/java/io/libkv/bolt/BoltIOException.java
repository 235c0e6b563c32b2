package io.libkv.bolt;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.Locale;
import java.util.Map;

/** An I/O error from the operating system while reading, writing or syncing the file. */
public final class BoltIOException extends BoltException {
  private static final long serialVersionUID = 1L;

  /** The reasons Java's file exceptions tell by their type alone (their message is the path). */
  private static final Map<Class<? extends FileSystemException>, String> REASONS =
      Map.of(
          AccessDeniedException.class, "permission denied",
          NoSuchFileException.class, "no such file",
          FileAlreadyExistsException.class, "file exists",
          NotDirectoryException.class, "not a directory",
          DirectoryNotEmptyException.class, "directory not empty",
          FileSystemLoopException.class, "too many levels of symbolic links");

  /**
   * @param message the operation and file
   * @param cause the I/O error
   */
  public BoltIOException(String message, IOException cause) {
    super(message + ": " + reason(cause), cause);
  }

  /**
   * What the operating system said about {@code e}. Java's file exceptions carry the reason in
   * their type and only the path in their message ({@code AccessDeniedException: /d/f}), which a
   * message that already names the file would merely repeat.
   */
  public static String reason(IOException e) {
    if (e instanceof FileSystemException) {
      String r = ((FileSystemException) e).getReason();
      if (r != null && !r.isEmpty()) {
        return r.substring(0, 1).toLowerCase(Locale.ROOT) + r.substring(1);
      }
      for (Map.Entry<Class<? extends FileSystemException>, String> known : REASONS.entrySet()) {
        if (known.getKey().isInstance(e)) {
          return known.getValue();
        }
      }
    }
    String m = e.getMessage();
    return m == null || m.isEmpty() ? e.getClass().getSimpleName() : m;
  }
}
