/** The service-provider interface backends implement, and the machinery they share. */
@NullMarked
package io.libkv.spi;

import org.jspecify.annotations.NullMarked;
