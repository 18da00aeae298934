/** Typed calls of the comments API (threatmodel/api/comment_views.py). Nothing here keeps state. */
import { del, get, patch, post } from './client'
import type { Page } from './endpoints'
import type { components } from './schema'
import type { CommentSubject } from '../core/comments'

export type Comment = components['schemas']['Comment']

function about(subject: CommentSubject): string {
  return 'threat' in subject ? `threat=${subject.threat}` : `subject_key=${encodeURIComponent(subject.subject)}`
}

export const commentApi = {
  list: async (modelId: number, subject: CommentSubject) =>
    (await get<Page<Comment>>(`/threat-models/${modelId}/comments/?${about(subject)}&page_size=500`)).results,
  create: (modelId: number, subject: CommentSubject, body: string) =>
    post<Comment>(`/threat-models/${modelId}/comments/`, 'threat' in subject ? { body, threat: subject.threat } : { body, subject_key: subject.subject }),
  reply: (modelId: number, parent: number, body: string) => post<Comment>(`/threat-models/${modelId}/comments/`, { body, parent }),
  edit: (id: number, body: string) => patch<Comment>(`/comments/${id}/`, { body }),
  remove: (id: number) => del(`/comments/${id}/`),
  resolve: (id: number, resolved: boolean) => post<Comment>(`/comments/${id}/resolve/`, { resolved }),
}
