package dev.lore.connector.filesystem;

import dev.lore.security.AccessList;

/**
 * Configuration of a filesystem source.
 *
 * @param path absolute path of the folder to index; its subfolders are included; hidden files (starting with
 *     '.') are ignored
 * @param pageSize how many files one page (and one checkpoint) covers; default 25
 * @param acl who may read the source's documents unless a folder says otherwise: {@code {"users": [...], "groups":
 *     [...], "everyone": true|false}}. A folder (and its subfolders) can have its own list in a file named
 *     {@value FilesystemConnector#ACL_FILE} of the same shape; the nearest one up the tree wins. Without either, the
 *     connector says nothing about access: new documents are readable by admins only, existing ones keep their list.
 */
public record FilesystemConfig(String path, Integer pageSize, AccessList acl) {

    /** The page size, defaulted. */
    public int effectivePageSize() {
        return pageSize == null || pageSize < 1 ? 25 : pageSize;
    }
}
