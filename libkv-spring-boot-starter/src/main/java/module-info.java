/**
 * Spring Boot auto-configuration for libkv: a {@code Store} bean from {@code libkv.*} properties,
 * its health indicator, and leader election for the application.
 */
module io.libkv.spring.boot {
  // @NullMarked/@Nullable are read at compile time only
  requires static org.jspecify;
  requires transitive io.libkv;
  requires transitive io.libkv.recipes;
  requires transitive spring.boot;
  requires spring.boot.autoconfigure;
  requires spring.beans;
  requires transitive spring.context;
  requires spring.core;
  // the health indicator is configured only when the application has Boot's health module
  requires static spring.boot.health;
  // the store is metered only when the application has libkv-micrometer
  requires static io.libkv.micrometer;
  requires static micrometer.core;

  exports io.libkv.spring.boot;

  // Spring reads the auto-configuration classes reflectively; they are no API
  opens io.libkv.spring.boot.internal;
  // and binds LibKVProperties through its accessors
  opens io.libkv.spring.boot;
}
