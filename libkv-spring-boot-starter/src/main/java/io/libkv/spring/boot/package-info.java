/**
 * libkv for Spring Boot applications: {@link io.libkv.spring.boot.LibKVProperties} ({@code libkv.*}
 * properties), {@link io.libkv.spring.boot.LeaderCallback} and {@link
 * io.libkv.spring.boot.LeaderElection}. The auto-configuration itself is not API.
 */
@NullMarked
package io.libkv.spring.boot;

import org.jspecify.annotations.NullMarked;
