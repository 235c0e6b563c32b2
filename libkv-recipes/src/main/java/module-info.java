/** Leader election and service discovery built on the {@code io.libkv} Store API alone. */
module io.libkv.recipes {
  // @NullMarked/@Nullable are read at compile time only
  requires static org.jspecify;
  requires transitive io.libkv;
  requires com.fasterxml.jackson.databind;

  exports io.libkv.recipes.election;
  exports io.libkv.recipes.discovery;
}
