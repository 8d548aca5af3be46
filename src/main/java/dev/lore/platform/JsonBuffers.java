package dev.lore.platform;

import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.jackson.ObjectMapperCustomizer;
import jakarta.inject.Singleton;

/**
 * Jackson's parse and write buffers come from one shared pool instead of one set per thread. Jackson's default keeps
 * them in a thread-local, and every streamed agent turn runs on a virtual thread of its own, which then kept its own
 * set (about 8 KB) for as long as its stream stayed open. Applies to the application's {@link ObjectMapper}; the
 * tool-call classes build theirs the same way ({@code dev.lore.agent.tool.LenientJson#mapper}).
 */
@Singleton
public class JsonBuffers implements ObjectMapperCustomizer {

    @Override
    public void customize(ObjectMapper mapper) {
        mapper.getFactory().setRecyclerPool(JsonRecyclerPools.sharedConcurrentDequePool());
    }
}
