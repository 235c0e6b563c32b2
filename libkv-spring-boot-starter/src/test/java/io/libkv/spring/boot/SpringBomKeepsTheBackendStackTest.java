package io.libkv.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Spring Boot's BOM, imported by this module, manages Netty, Jackson, Micrometer and JUnit too: the
 * versions on this module's class path (with libkv-etcd's whole stack) must still be libkv-bom's,
 * the ones the backends are built and tested with. The build passes the expected versions in.
 */
class SpringBomKeepsTheBackendStackTest {
  private static String jarOf(String className) throws ClassNotFoundException {
    return Class.forName(className)
        .getProtectionDomain()
        .getCodeSource()
        .getLocation()
        .getPath()
        .replaceAll(".*/", "");
  }

  private static String expected(String name) {
    String v = System.getProperty("libkv.expected." + name);
    assertThat(v).as("system property libkv.expected.%s (set by the build)", name).isNotBlank();
    return v;
  }

  @Test
  void nettyGrpcJacksonMicrometerAndJunitAreLibkvBomsVersions() throws Exception {
    Map<String, String> jars = new LinkedHashMap<>();
    jars.put("io.netty.util.Version", "netty-common-" + expected("netty") + ".jar");
    jars.put("io.netty.handler.ssl.SslContext", "netty-handler-" + expected("netty") + ".jar");
    jars.put(
        "io.netty.handler.codec.http2.Http2FrameCodec",
        "netty-codec-http2-" + expected("netty") + ".jar");
    jars.put("io.grpc.ManagedChannel", "grpc-api-" + expected("grpc") + ".jar");
    jars.put("io.grpc.netty.NettyChannelBuilder", "grpc-netty-" + expected("grpc") + ".jar");
    jars.put(
        "com.fasterxml.jackson.databind.ObjectMapper",
        "jackson-databind-" + expected("jackson") + ".jar");
    jars.put("com.google.protobuf.Message", "protobuf-java-" + expected("protobuf") + ".jar");
    jars.put("org.junit.jupiter.api.Test", "junit-jupiter-api-" + expected("junit") + ".jar");
    jars.put(
        "io.micrometer.core.instrument.MeterRegistry",
        "micrometer-core-" + expected("micrometer") + ".jar");
    jars.put(
        "io.micrometer.observation.Observation",
        "micrometer-observation-" + expected("micrometer") + ".jar");
    Map<String, String> seen = new LinkedHashMap<>();
    for (String c : jars.keySet()) {
      seen.put(c, jarOf(c));
    }
    assertThat(seen).isEqualTo(jars);
  }
}
