"""concentration page."""

import streamlit as st

st.title("Concentration")
st.info("This page is being built.")
