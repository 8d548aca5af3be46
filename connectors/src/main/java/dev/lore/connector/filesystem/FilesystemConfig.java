package dev.lore.connector.filesystem;

/**
 * Configuration of a filesystem source.
 *
 * @param path absolute path of the folder to index; its subfolders are included; hidden files (starting with
 *     '.') are ignored
 * @param pageSize how many files one page (and one checkpoint) covers; default 25
 */
public record FilesystemConfig(String path, Integer pageSize) {

    /** The page size, defaulted. */
    public int effectivePageSize() {
        return pageSize == null || pageSize < 1 ? 25 : pageSize;
    }
}
