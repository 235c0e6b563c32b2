/** What the recipes share, not exported. */
@NullMarked
package io.libkv.recipes.internal;

import org.jspecify.annotations.NullMarked;
