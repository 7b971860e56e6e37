import { HttpStatus } from '@nestjs/common';
import type { Request } from 'express';
import { ProblemException, ValidationProblem } from '../../common/problem';
import { CSV_MIME, XLSX_MIME } from './tabular-file';

export const MAX_UPLOAD_BYTES = 20 * 1024 * 1024;

/** What multer's memory storage hands over for a `file` field (multer ships no types here). */
export interface UploadedFileLike {
  buffer: Buffer;
  originalname?: string;
  mimetype?: string;
  size?: number;
}

const RAW_TYPES = [CSV_MIME, 'application/csv', 'text/plain', XLSX_MIME, 'application/octet-stream'];

/**
 * The uploaded file: a multipart `file` field, or the whole body sent as `text/csv` / XLSX. The JSON body
 * parser leaves these types alone, so the raw stream is still unread here.
 */
export async function uploadedContent(file: UploadedFileLike | undefined, request: Request): Promise<Buffer> {
  if (file) return file.buffer;
  const type = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type === 'multipart/form-data') throw new ValidationProblem([{ field: 'file', message: 'file is required' }]);
  if (!RAW_TYPES.includes(type)) {
    throw new ProblemException(
      HttpStatus.UNSUPPORTED_MEDIA_TYPE,
      'unsupported-media-type',
      'Unsupported media type',
      `Send the file as multipart/form-data (field "file"), or as the body with Content-Type ${CSV_MIME} or ${XLSX_MIME}.`,
    );
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_UPLOAD_BYTES) {
      throw new ProblemException(HttpStatus.PAYLOAD_TOO_LARGE, 'payload-too-large', 'Payload too large', `The file is larger than ${MAX_UPLOAD_BYTES / 1024 / 1024} MB.`);
    }
    chunks.push(chunk);
  }
  const content = Buffer.concat(chunks);
  if (content.length === 0) throw new ValidationProblem([{ field: 'file', message: 'the file is empty' }]);
  return content;
}
