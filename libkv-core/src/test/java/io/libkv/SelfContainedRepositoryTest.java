package io.libkv;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A clone of the repository is all the build, the tests and the docs need. */
class SelfContainedRepositoryTest {
  // spelled in two parts so this file does not name it
  private static final String OUTSIDE = ".." + "/shared";

  @Test
  void noFileNamesADirectoryBesideTheRepository() throws IOException {
    Path root = Path.of(System.getProperty("libkv.repo.root", "..")).toAbsolutePath().normalize();
    assertThat(root.resolve("pom.xml")).as("repository root " + root).exists();
    byte[] needle = OUTSIDE.getBytes(StandardCharsets.UTF_8);
    List<String> offenders = new ArrayList<>();
    Files.walkFileTree(
        root,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
            String name = dir.getFileName() == null ? "" : dir.getFileName().toString();
            // build output and git's own data are not part of the sources
            boolean skip = name.equals("target") || name.equals(".git");
            return skip ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            // a worktree's .git is a file naming where git keeps it
            boolean source = attrs.isRegularFile() && !file.getFileName().toString().equals(".git");
            if (source && contains(Files.readAllBytes(file), needle)) {
              offenders.add(root.relativize(file).toString());
            }
            return FileVisitResult.CONTINUE;
          }
        });
    assertThat(offenders)
        .as("files naming %s, a directory a clone does not have", OUTSIDE)
        .isEmpty();
  }

  private static boolean contains(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }
}
