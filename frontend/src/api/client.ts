/**
 * The one place the browser talks to the API. Session cookies authenticate; every write carries
 * the CSRF token from the `csrftoken` cookie (fetched from /api/v1/auth/csrf/ when missing).
 * Every failure becomes an `ApiError` in the API's single error shape, status 0 for the network.
 * Bodies are JSON, except a `FormData` (an upload), which is sent as multipart.
 */
import type { components } from './schema'

export type ErrorDetail = components['schemas']['ErrorDetail']

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string,
    readonly details: ErrorDetail[] = [],
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message)
  }
}

const BASE = '/api/v1'

function cookie(name: string): string | null {
  for (const part of document.cookie.split(';')) {
    const [key, ...rest] = part.trim().split('=')
    if (key === name) return decodeURIComponent(rest.join('='))
  }
  return null
}

let csrfPromise: Promise<string> | null = null

async function csrfToken(): Promise<string> {
  const fromCookie = cookie('csrftoken')
  if (fromCookie) return fromCookie
  csrfPromise ??= fetch(`${BASE}/auth/csrf/`, { credentials: 'same-origin' })
    .then((response) => response.json() as Promise<{ csrf_token: string }>)
    .then((body) => body.csrf_token)
    .finally(() => {
      csrfPromise = null
    })
  return csrfPromise
}

export async function api<T>(method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' }
  if (method !== 'GET') headers['X-CSRFToken'] = await csrfToken()
  // A form (a file upload) sets its own multipart Content-Type with the boundary.
  const form = typeof FormData !== 'undefined' && body instanceof FormData
  if (body !== undefined && !form) headers['Content-Type'] = 'application/json'
  let response: Response
  try {
    response = await fetch(`${BASE}${path}`, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : form ? (body as FormData) : JSON.stringify(body),
    })
  } catch {
    throw new ApiError(0, 'The server could not be reached. Check the connection.', 'network')
  }
  if (response.status === 204) return undefined as T
  let payload: unknown = null
  try {
    payload = await response.json()
  } catch {
    payload = null
  }
  if (!response.ok) {
    const error = (payload as { error?: Record<string, unknown> } | null)?.error
    if (error && typeof error.message === 'string') {
      const { code, message, details, ...extra } = error
      throw new ApiError(response.status, message, String(code), (details as ErrorDetail[]) ?? [], extra)
    }
    throw new ApiError(response.status, `The server answered ${response.status}.`, 'http')
  }
  return payload as T
}

export const get = <T>(path: string) => api<T>('GET', path)
export const post = <T>(path: string, body?: unknown) => api<T>('POST', path, body)
/** A multipart POST: a file upload with its fields. */
export const postForm = <T>(path: string, form: FormData) => api<T>('POST', path, form)
export const patch = <T>(path: string, body: unknown) => api<T>('PATCH', path, body)
export const del = (path: string) => api<void>('DELETE', path)
