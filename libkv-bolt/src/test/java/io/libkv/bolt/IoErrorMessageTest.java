package io.libkv.bolt;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import org.junit.jupiter.api.Test;

/**
 * An I/O failure says what the operating system said: Java's file exceptions carry the reason in
 * their type (AccessDeniedException's message is only the path).
 */
class IoErrorMessageTest {
  @Test
  void theOperatingSystemsReasonIsInTheMessage() {
    assertThat(
            new BoltIOException("cannot open /d/f.db", new AccessDeniedException("/d/f.db"))
                .getMessage())
        .isEqualTo("cannot open /d/f.db: permission denied");
    assertThat(
            new BoltIOException("cannot open /d/f.db", new NoSuchFileException("/d/f.db"))
                .getMessage())
        .isEqualTo("cannot open /d/f.db: no such file");
    assertThat(
            new BoltIOException(
                    "cannot open /d/f.db",
                    new FileSystemException("/d/f.db", null, "Read-only file system"))
                .getMessage())
        .isEqualTo("cannot open /d/f.db: read-only file system");
    assertThat(
            new BoltIOException(
                    "cannot read /d/f.db", new java.io.IOException("Input/output error"))
                .getMessage())
        .isEqualTo("cannot read /d/f.db: Input/output error");
  }
}
