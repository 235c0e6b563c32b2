/** Leader election and service discovery built on the {@code io.libkv} Store API alone. */
module io.libkv.recipes {
  requires transitive io.libkv;
  requires com.fasterxml.jackson.databind;

  exports io.libkv.recipes.election;
  exports io.libkv.recipes.discovery;
}
