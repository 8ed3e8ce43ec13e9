package dev.lipreg.data;

import java.io.InputStream;
import java.nio.file.Path;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Inflates gzip content (RFC 1952), member after member, checking each member's CRC-32 and length.
 * Unlike {@link java.util.zip.GZIPInputStream}, which silently stops at bytes that do not start
 * another member, anything after the last member is an error: a file with trailing garbage is not
 * the file it claims to be. Content is pulled on demand, so a caller can stop (and refuse) after
 * reading a header that declares too much.
 */
final class GzipInput extends InputStream {
    private static final int FHCRC = 2, FEXTRA = 4, FNAME = 8, FCOMMENT = 16;

    private final Path file;
    private final byte[] raw;
    private final Inflater inflater = new Inflater(true);
    private final CRC32 crc = new CRC32();
    private int pos;
    private long memberBytes;
    private long total;
    private boolean eof;

    GzipInput(Path file, byte[] raw) throws DatasetFormatException {
        this.file = file;
        this.raw = raw;
        startMember();
    }

    @Override
    public int read() throws DatasetFormatException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) throws DatasetFormatException {
        if (len == 0) return 0;
        while (!eof) {
            int n;
            try {
                n = inflater.inflate(b, off, len);
            } catch (DataFormatException e) {
                throw corrupt(e.getMessage());
            }
            if (n > 0) {
                crc.update(b, off, n);
                memberBytes += n;
                total += n;
                return n;
            }
            if (inflater.finished()) {
                endMember();
            } else if (inflater.needsInput()) {
                throw corrupt("unexpected end of the compressed data; the file is truncated");
            } else if (inflater.needsDictionary()) {
                throw corrupt("deflate stream needs a preset dictionary");
            }
        }
        return -1;
    }

    @Override
    public void close() {
        inflater.end();
    }

    private void startMember() throws DatasetFormatException {
        int p = pos;
        need(p, 10, "gzip header");
        if ((raw[p] & 0xFF) != 0x1f || (raw[p + 1] & 0xFF) != 0x8b) throw corrupt("bad gzip magic at compressed offset " + p);
        if (raw[p + 2] != 8) throw corrupt("compression method " + raw[p + 2] + ", expected 8 (deflate)");
        int flags = raw[p + 3] & 0xFF;
        p += 10;
        if ((flags & FEXTRA) != 0) {
            need(p, 2, "gzip extra field length");
            p += 2 + ((raw[p] & 0xFF) | (raw[p + 1] & 0xFF) << 8);
        }
        if ((flags & FNAME) != 0) p = skipZeroTerminated(p, "gzip file name");
        if ((flags & FCOMMENT) != 0) p = skipZeroTerminated(p, "gzip comment");
        if ((flags & FHCRC) != 0) p += 2;
        need(p, 0, "gzip header");
        pos = p;
        inflater.reset();
        inflater.setInput(raw, p, raw.length - p);
        crc.reset();
        memberBytes = 0;
    }

    private void endMember() throws DatasetFormatException {
        int p = raw.length - inflater.getRemaining();
        need(p, 8, "gzip trailer (CRC-32 and size)");
        long storedCrc = le32(p), storedSize = le32(p + 4);
        if (storedCrc != crc.getValue()) throw corrupt("CRC-32 mismatch: stored " + Long.toHexString(storedCrc) + ", computed "
                + Long.toHexString(crc.getValue()));
        if (storedSize != (memberBytes & 0xFFFFFFFFL)) throw corrupt("size mismatch: trailer says " + storedSize + " bytes, inflated "
                + memberBytes);
        pos = p + 8;
        if (pos == raw.length) {
            eof = true;
        } else if (raw.length - pos >= 2 && (raw[pos] & 0xFF) == 0x1f && (raw[pos + 1] & 0xFF) == 0x8b) {
            startMember(); // concatenated members are one stream (RFC 1952 2.2)
        } else {
            throw new DatasetFormatException(file, total, (raw.length - pos) + " trailing bytes after the gzip stream (compressed offset "
                    + pos + " of " + raw.length + "), expected the file to end there or another gzip member to start");
        }
    }

    private int skipZeroTerminated(int p, String what) throws DatasetFormatException {
        while (p < raw.length && raw[p] != 0) p++;
        need(p, 1, what);
        return p + 1;
    }

    private void need(int p, int n, String what) throws DatasetFormatException {
        if ((long) p + n > raw.length) throw corrupt("file ends inside the " + what + "; it is truncated");
    }

    private long le32(int p) {
        return (raw[p] & 0xFFL) | (raw[p + 1] & 0xFFL) << 8 | (raw[p + 2] & 0xFFL) << 16 | (raw[p + 3] & 0xFFL) << 24;
    }

    private DatasetFormatException corrupt(String detail) {
        return new DatasetFormatException(file, "corrupt gzip stream (" + detail + ") after " + total + " decompressed bytes");
    }
}
