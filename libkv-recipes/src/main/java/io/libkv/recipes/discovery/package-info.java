/** Service discovery over any {@link io.libkv.Store}. */
@NullMarked
package io.libkv.recipes.discovery;

import org.jspecify.annotations.NullMarked;
