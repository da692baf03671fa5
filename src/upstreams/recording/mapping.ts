import { z } from 'zod';
import type { CallDirection, RecordingFileFormat, Transcript, TranscriptionInfo } from '../../generated/graphql';
import { UpstreamBadResponseError } from '../../errors';
import { toUtcIso } from '../../time';

/**
 * What a `Recording` resolves from. It holds what the upstream said, not the gateway URL of the
 * media: `mediaUrl` is signed per caller and per moment, so it is computed when asked for and
 * never cached.
 */
export interface RecordingModel {
  id: string;
  /** The account the recording was read from (part of every path of the API). */
  accountId: string;
  applicationId: string | null;
  callId: string;
  parentCallId: string | null;
  to: string | null;
  from: string | null;
  transferCallerId: string | null;
  transferTo: string | null;
  duration: string | null;
  durationSeconds: number | null;
  direction: CallDirection | null;
  channels: number | null;
  startTime: string | null;
  endTime: string | null;
  fileFormat: RecordingFileFormat | null;
  status: string | null;
  recordingName: string | null;
  /** The upstream has media to download (its `mediaUrl` is present). */
  hasMedia: boolean;
  transcription: TranscriptionInfo | null;
}

const text = z.union([z.string(), z.number()]).transform(String).nullish();
const count = z.union([z.number().int(), z.string().regex(/^\d+$/).transform(Number)]).nullish();

/** `CallRecordingMetadata`, as far as the gateway relies on it. */
const RecordingRow = z.object({
  recordingId: z.string().min(1),
  callId: z.string().min(1),
  accountId: text,
  applicationId: text,
  parentCallId: text,
  to: text,
  from: text,
  transferCallerId: text,
  transferTo: text,
  duration: z.string().nullish(),
  direction: z.string().nullish(),
  channels: count,
  startTime: z.union([z.string(), z.number()]).nullish(),
  endTime: z.union([z.string(), z.number()]).nullish(),
  fileFormat: z.string().nullish(),
  status: z.string().nullish(),
  mediaUrl: z.string().nullish(),
  recordingName: text,
  transcription: z
    .object({
      id: text,
      status: z.string().nullish(),
      completedTime: z.union([z.string(), z.number()]).nullish(),
      url: z.string().nullish(),
    })
    .nullish(),
});

/** `RecordingTranscriptions`: one transcript per channel, caller/called party first. */
const TranscriptionsBody = z.object({
  transcripts: z
    .array(
      z.object({
        text: z.string().nullish(),
        confidence: z.number().nullish(),
        speaker: z.number().int().nullish(),
      }),
    )
    .nullish(),
});

const DURATION =
  /^P(?:(\d+(?:[.,]\d+)?)W)?(?:(\d+(?:[.,]\d+)?)D)?(?:T(?:(\d+(?:[.,]\d+)?)H)?(?:(\d+(?:[.,]\d+)?)M)?(?:(\d+(?:[.,]\d+)?)S)?)?$/;

/**
 * Seconds of an ISO-8601 duration such as `PT13.67S` or `PT1H2M3.5S` (weeks and days count as
 * 7 × 24 h and 24 h). Years and months have no fixed length, so those answer null, as does
 * anything that is not a duration.
 */
export function isoDurationSeconds(value: string | null | undefined): number | null {
  if (!value) return null;
  const m = DURATION.exec(value.trim());
  if (!m || value.trim() === 'P' || value.trim().endsWith('T')) return null;
  const [, w, d, h, mi, s] = m.map((part) => (part === undefined ? 0 : Number(part.replace(',', '.'))));
  const seconds = (w ?? 0) * 604800 + (d ?? 0) * 86400 + (h ?? 0) * 3600 + (mi ?? 0) * 60 + (s ?? 0);
  // Round to the millisecond: 13.67 stays 13.67 instead of a float artefact.
  return Number.isFinite(seconds) ? Math.round(seconds * 1000) / 1000 : null;
}

/** Absent: null; a value the schema does not know: UNKNOWN (as every enum the gateway answers). */
function direction(value: string | null | undefined): CallDirection | null {
  if (!value) return null;
  const v = value.toLowerCase();
  return v === 'inbound' ? 'INBOUND' : v === 'outbound' ? 'OUTBOUND' : 'UNKNOWN';
}

function fileFormat(value: string | null | undefined): RecordingFileFormat | null {
  if (!value) return null;
  const v = value.toLowerCase();
  return v === 'wav' ? 'WAV' : v === 'mp3' ? 'MP3' : 'UNKNOWN';
}

/**
 * Maps one `CallRecordingMetadata` to the gateway's model; an Error (not a throw) when the row
 * cannot be read, so one bad row fails only itself. `accountId` is the account it was read from.
 */
export function mapRecording(body: unknown, accountId: string, zone: string): RecordingModel | UpstreamBadResponseError {
  const parsed = RecordingRow.safeParse(body);
  if (!parsed.success) {
    return new UpstreamBadResponseError('bandwidth', `unreadable recording at ${parsed.error.issues[0]?.path.join('.') || '(root)'}`);
  }
  const r = parsed.data;
  return {
    id: r.recordingId,
    accountId: r.accountId ?? accountId,
    applicationId: r.applicationId ?? null,
    callId: r.callId,
    parentCallId: r.parentCallId ?? null,
    to: r.to ?? null,
    from: r.from ?? null,
    transferCallerId: r.transferCallerId ?? null,
    transferTo: r.transferTo ?? null,
    duration: r.duration ?? null,
    durationSeconds: isoDurationSeconds(r.duration),
    direction: direction(r.direction),
    channels: r.channels ?? null,
    startTime: toUtcIso(r.startTime, zone),
    endTime: toUtcIso(r.endTime, zone),
    fileFormat: fileFormat(r.fileFormat),
    status: r.status ?? null,
    recordingName: r.recordingName ?? null,
    hasMedia: typeof r.mediaUrl === 'string' && r.mediaUrl.length > 0,
    transcription: r.transcription
      ? {
          id: r.transcription.id ?? null,
          status: r.transcription.status ?? null,
          completedTime: toUtcIso(r.transcription.completedTime, zone),
          url: r.transcription.url ?? null,
        }
      : null,
  };
}

/** Maps `RecordingTranscriptions` to a Transcript: segments in the upstream's (channel) order. */
export function mapTranscript(body: unknown): Transcript | UpstreamBadResponseError {
  const parsed = TranscriptionsBody.safeParse(body);
  if (!parsed.success) {
    return new UpstreamBadResponseError('bandwidth', `unreadable transcription at ${parsed.error.issues[0]?.path.join('.') || '(root)'}`);
  }
  const segments = (parsed.data.transcripts ?? []).map((t) => ({
    text: t.text ?? '',
    confidence: t.confidence ?? null,
    speaker: t.speaker ?? null,
  }));
  return { segments, text: segments.map((s) => s.text).join('\n') };
}
