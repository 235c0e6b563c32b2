/** The auto-configuration classes Spring Boot loads; not API. */
@NullMarked
package io.libkv.spring.boot.internal;

import org.jspecify.annotations.NullMarked;
