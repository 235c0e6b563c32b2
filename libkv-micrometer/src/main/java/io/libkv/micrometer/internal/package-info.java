/** The {@code metrics} URI parameter's decorator, found through ServiceLoader; not exported. */
@NullMarked
package io.libkv.micrometer.internal;

import org.jspecify.annotations.NullMarked;
