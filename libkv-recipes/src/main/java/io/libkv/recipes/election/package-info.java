/** Leader election over any {@link io.libkv.Store}. */
@NullMarked
package io.libkv.recipes.election;

import org.jspecify.annotations.NullMarked;
