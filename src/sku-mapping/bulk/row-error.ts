import { HttpStatus } from '@nestjs/common';
import { ProblemException } from '../../common/problem';

/** One bad cell or row of an uploaded file; `row` as a person sees it in the file (header = row 1). */
export interface RowError {
  row: number;
  field: string;
  message: string;
}

/** A bulk file refused as a whole: every bad row is listed, nothing was written. */
export class ImportRowsProblem extends ProblemException {
  constructor(readonly rowErrors: RowError[]) {
    const sorted = [...rowErrors].sort((a, b) => a.row - b.row);
    const rows = new Set(sorted.map((error) => error.row)).size;
    super(
      HttpStatus.UNPROCESSABLE_ENTITY,
      'import-invalid-rows',
      'The file has invalid rows',
      `${rows} row${rows === 1 ? '' : 's'} of the file cannot be imported; nothing was written. Fix them and upload the file again.`,
      { errors: sorted },
    );
  }
}

/** The upload is not a CSV or XLSX file we can read at all. */
export class UnreadableFileProblem extends ProblemException {
  constructor(detail: string) {
    super(HttpStatus.UNPROCESSABLE_ENTITY, 'import-unreadable-file', 'The file cannot be read', detail);
  }
}
