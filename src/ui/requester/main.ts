import 'webrtc-adapter'
import { mount } from 'svelte'
import '../shared/base.css'
import RequesterApp from './RequesterApp.svelte'

mount(RequesterApp, { target: document.getElementById('app')! })
