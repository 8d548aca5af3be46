package dev.lore.platform;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.quarkus.jackson.ObjectMapperCustomizer;
import jakarta.inject.Singleton;

/**
 * Jackson's parse and write buffers come from one shared pool instead of one set per thread. Jackson's default keeps
 * them in a thread-local, and every streamed agent turn runs on a virtual thread of its own, which then kept about
 * 30 KB of buffers for as long as its stream stayed open. Applies to the application's {@link ObjectMapper} and to
 * the mappers built with {@link #mapper()}.
 */
@Singleton
public class JsonBuffers implements ObjectMapperCustomizer {

    @Override
    public void customize(ObjectMapper mapper) {
        mapper.getFactory().setRecyclerPool(JsonRecyclerPools.sharedConcurrentDequePool());
    }

    /** A JSON mapper builder whose buffers come from the shared pool, for classes that keep a mapper of their own. */
    public static JsonMapper.Builder mapper() {
        return JsonMapper.builder(JsonFactory.builder().recyclerPool(JsonRecyclerPools.sharedConcurrentDequePool()).build());
    }
}
