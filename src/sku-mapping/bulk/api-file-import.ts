import { applyDecorators, UseInterceptors } from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import { ApiBody, ApiConsumes, ApiExtraModels, ApiOkResponse, getSchemaPath } from '@nestjs/swagger';
import { ApiProblems } from '../../common/api-problems';
import { ImportFileDto, ImportResultDto } from '../skus.dto';
import { MAX_UPLOAD_BYTES } from './upload';

/**
 * A bulk import route: multipart `file` held in memory up to the size limit (raw CSV/XLSX bodies are read
 * by `uploadedContent`), documented with the file's columns.
 */
export function ApiFileImport(columns: string) {
  return applyDecorators(
    UseInterceptors(FileInterceptor('file', { limits: { fileSize: MAX_UPLOAD_BYTES, files: 1 } })),
    ApiExtraModels(ImportFileDto),
    ApiConsumes('multipart/form-data'),
    ApiBody({
      schema: { $ref: getSchemaPath(ImportFileDto) },
      description:
        `CSV (UTF-8 with or without BOM, or Shift_JIS as Japanese Excel saves it) or XLSX (first sheet), at most ${MAX_UPLOAD_BYTES / 1024 / 1024} MB, ` +
        'as the multipart field `file` — or as the whole request body with `Content-Type: text/csv` or the XLSX type.\n\n' +
        columns,
    }),
    ApiOkResponse({ type: ImportResultDto, description: 'Every row was valid and is now in the catalog.' }),
    ApiProblems(413, 415, 422),
  );
}
