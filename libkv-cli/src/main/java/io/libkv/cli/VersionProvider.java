package io.libkv.cli;

import picocli.CommandLine.IVersionProvider;

/** {@code libkv --version}: the version recorded in the jar's manifest. */
final class VersionProvider implements IVersionProvider {
  @Override
  public String[] getVersion() {
    String v = Main.class.getPackage().getImplementationVersion();
    return new String[] {"libkv " + (v == null ? "(development build)" : v)};
  }
}
