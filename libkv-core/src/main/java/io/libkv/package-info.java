/**
 * The user API: {@link io.libkv.Store}, its values, options and conditions. Nothing here is null
 * unless marked {@code @Nullable}.
 */
@NullMarked
package io.libkv;

import org.jspecify.annotations.NullMarked;
