/**
 * Who else is in the live room: avatars (initials in each person's colour) in the header, and on
 * the canvas each person's selection outlined in their colour with their initials, and their
 * cursor. The overlay sits in React Flow's viewport, so it pans and zooms with the diagram and
 * never touches the nodes themselves; the own cursor and viewport go to the room (throttled there).
 *
 * Following: clicking someone's avatar (or accepting a presenter's ask) makes this canvas take
 * their viewport as it moves; a view moved by hand elsewhere stops it. A facilitator (editor or owner)
 * can ask everyone to follow them and pause everyone else's editing for a minute ("look here").
 */
import { useOnViewportChange, useStore, useReactFlow, ViewportPortal } from '@xyflow/react'
import { useEffect, useRef, useState } from 'react'
import { absolutePosition, sizeOf } from '../core/geometry'
import type { LiveRoom, RoomSnapshot } from '../core/live'
import type { DiagramState } from '../core/types'
import { useRoomSnapshot } from '../workspace/useLiveRoom'

const NO_ROOM_SNAPSHOT: RoomSnapshot = { status: 'refused', me: null, canEdit: false, peers: [], lastRefusal: null, lock: null, following: null, followRequest: null }
const NO_ROOM = { subscribe: () => () => undefined, getSnapshot: () => NO_ROOM_SNAPSHOT } as unknown as LiveRoom

const STATUS_TEXT: Record<RoomSnapshot['status'], string> = {
  connecting: 'Joining the room…',
  open: 'Live',
  offline: 'Offline: edits are saved without the room, reconnecting…',
  refused: 'The live room is not available for this model.',
}

export const LOCK_SECONDS = 60

export function PresenceBar({ room }: { room: LiveRoom }) {
  const snapshot = useRoomSnapshot(room)
  const me = snapshot.me
  const facilitator = snapshot.status === 'open' && snapshot.canEdit && snapshot.peers.length > 0
  return (
    <div className="presence" role="group" aria-label="People in this model">
      <span className={`presence-status is-${snapshot.status}`} title={STATUS_TEXT[snapshot.status]} aria-label={STATUS_TEXT[snapshot.status]} />
      {me && (
        <span className="avatar is-you" style={{ background: me.colour }} title={`${me.name} (you) · ${me.role}`} aria-label={`${me.name} (you), ${me.role}`}>
          {me.initials}
        </span>
      )}
      {snapshot.peers.map(({ participant }) => {
        const followed = snapshot.following === participant.id
        return (
          <button
            type="button"
            key={participant.id}
            className={`avatar${followed ? ' is-followed' : ''}`}
            style={{ background: participant.colour }}
            title={`${participant.name} · ${participant.role} — ${followed ? 'click to stop following' : 'click to follow their view'}`}
            aria-label={`${participant.name}, ${participant.role}`}
            aria-pressed={followed}
            onClick={() => room.follow(followed ? null : participant.id)}
          >
            {participant.initials}
          </button>
        )
      })}
      {facilitator && (
        <span className="presence-actions">
          <button type="button" className="small" onClick={() => room.askToFollow()} title="Everyone's canvas follows your view (they can stop)">
            Ask all to follow me
          </button>
          {!snapshot.lock && (
            <button
              type="button"
              className="small"
              onClick={() => room.lockRoom(LOCK_SECONDS, 'Everyone look here')}
              title={`Pause everyone else's editing for ${LOCK_SECONDS} seconds`}
            >
              Pause editing
            </button>
          )}
        </span>
      )}
    </div>
  )
}

function secondsLeft(until: number): number {
  return Math.max(0, Math.ceil(until - Date.now() / 1000))
}

/** The room's banners: a presenter's ask to follow, whom this canvas follows, and a lock in force. */
export function RoomBanner({ room }: { room: LiveRoom }) {
  const snapshot = useRoomSnapshot(room)
  const [, tick] = useState(0)
  const lock = snapshot.lock
  useEffect(() => {
    if (!lock) return
    const handle = setInterval(() => tick((n) => n + 1), 1000)
    return () => clearInterval(handle)
  }, [lock])
  const followed = snapshot.peers.find((peer) => peer.participant.id === snapshot.following)
  const ask = snapshot.followRequest
  const lockedByMe = lock !== null && lock.by.id === snapshot.me?.id
  if (!lock && !followed && !ask) return null
  return (
    <div className="room-banners">
      {lock && (
        <p className="room-banner is-lock" role="status">
          {lockedByMe ? 'You paused editing for everyone else' : `${lock.by.name} paused editing for everyone`}
          {lock.reason ? `: ${lock.reason}` : ''} — {secondsLeft(lock.until)} s left.
          {snapshot.canEdit && (
            <button type="button" className="small" onClick={() => room.unlockRoom()}>
              Resume editing
            </button>
          )}
        </p>
      )}
      {ask && (
        <p className="room-banner is-ask" role="status">
          {ask.presenter.name} asks everyone to follow their view.
          <button type="button" className="small primary" onClick={() => room.follow(ask.presenter.id)}>
            Follow {ask.presenter.name}
          </button>
          <button type="button" className="small" onClick={() => room.dismissFollow()}>
            Not now
          </button>
        </p>
      )}
      {followed && (
        <p className="room-banner is-following" role="status" style={{ borderColor: followed.participant.colour }}>
          Following {followed.participant.name}&apos;s view. Scroll or zoom to look around on your own.
          <button type="button" className="small" onClick={() => room.follow(null)}>
            Stop following
          </button>
        </p>
      )}
    </div>
  )
}

/** Whether someone else's lock pauses this browser's editing now. */
export function useLockedByOther(room: LiveRoom | undefined): boolean {
  const snapshot = useRoomSnapshot(room ?? NO_ROOM)
  return room !== undefined && snapshot.lock !== null && snapshot.lock.by.id !== snapshot.me?.id
}

/** Inside <ReactFlow>: the others' selections and cursors, and the own cursor sent to the room. */
export function PeerOverlay({ room, diagramId, state }: { room: LiveRoom; diagramId: number; state: DiagramState }) {
  const snapshot = useRoomSnapshot(room)
  const peers = snapshot.peers.filter((peer) => peer.diagram === diagramId)
  const flow = useReactFlow()
  const dom = useStore((s) => s.domNode)
  useEffect(() => {
    if (!dom) return
    const move = (event: PointerEvent) => room.setPresence({ cursor: flow.screenToFlowPosition({ x: event.clientX, y: event.clientY }) })
    const leave = () => room.setPresence({ cursor: null })
    dom.addEventListener('pointermove', move)
    dom.addEventListener('pointerleave', leave)
    return () => {
      dom.removeEventListener('pointermove', move)
      dom.removeEventListener('pointerleave', leave)
    }
  }, [dom, flow, room])
  const followed = snapshot.peers.find((peer) => peer.participant.id === snapshot.following)
  const target = followed && followed.diagram === diagramId ? followed.viewport : null
  const following = useRef(target)
  following.current = target
  // The own viewport goes to the room when it settles, so others can follow it. A view that
  // settles elsewhere than the followed one was moved by hand: looking around ends following.
  useOnViewportChange({
    onEnd: (viewport) => {
      room.setPresence({ viewport: { x: viewport.x, y: viewport.y, zoom: viewport.zoom } })
      const goal = following.current
      if (goal && (Math.abs(goal.x - viewport.x) > 2 || Math.abs(goal.y - viewport.y) > 2 || Math.abs(goal.zoom - viewport.zoom) > 0.01)) room.follow(null)
    },
  })
  useEffect(() => {
    const viewport = flow.getViewport()
    room.setPresence({ viewport: { x: viewport.x, y: viewport.y, zoom: viewport.zoom } })
  }, [flow, room, diagramId])
  useEffect(() => {
    if (target) void flow.setViewport(target)
  }, [flow, target])

  return (
    <ViewportPortal>
      {peers.map((peer) => (
        <div key={peer.participant.id} className="peer" data-peer={peer.participant.name}>
          {peer.selection.map((key) => {
            const element = state.elements.get(key)
            if (!element) return null
            const at = absolutePosition(state, key)
            const box = sizeOf(element)
            return (
              <div
                key={key}
                className="peer-selection"
                data-key={key}
                style={{ left: at.x - 5, top: at.y - 5, width: box.width + 10, height: box.height + 10, borderColor: peer.participant.colour }}
              >
                <span className="peer-tag" style={{ background: peer.participant.colour }}>
                  {peer.participant.initials}
                </span>
              </div>
            )
          })}
          {peer.cursor && (
            <div className="peer-cursor" style={{ left: peer.cursor.x, top: peer.cursor.y, color: peer.participant.colour }} aria-hidden="true">
              <svg width="16" height="16" viewBox="0 0 16 16">
                <path d="M1 1 L1 13 L5 9.5 L8 15 L10 14 L7 8.5 L12 8.5 Z" fill="currentColor" stroke="#fff" strokeWidth="1" />
              </svg>
              <span className="peer-name" style={{ background: peer.participant.colour }}>
                {peer.participant.name}
              </span>
            </div>
          )}
        </div>
      ))}
    </ViewportPortal>
  )
}
